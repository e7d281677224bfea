"""Riskline: real-time risk control for consumer credit lines and enterprise lending."""

__version__ = "0.1.0"

__all__ = ["__version__"]
