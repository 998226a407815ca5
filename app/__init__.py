"""Pairframe: campaign images to a video ad."""

__version__ = "0.1.0"
