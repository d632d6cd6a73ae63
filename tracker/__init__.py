"""Export market tracker: public trade data → competitiveness metrics by light-industry product group."""

__version__ = "0.1.0"
