"""Quality control of generated clips: frame fidelity, black and frozen stretches, the order, seams, brand rules."""
