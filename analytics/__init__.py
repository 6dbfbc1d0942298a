"""Seba Atlas analytics: pure computations over service logs (never imports streamlit)."""
