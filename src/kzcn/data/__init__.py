"""Data tables shipped with kzcn (each file names its sources)."""
