"""The pair editor's parts: the list model, the row delegate, the asset pair picker."""
