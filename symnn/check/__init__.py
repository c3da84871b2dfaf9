"""Checking hand-written backpropagation calculations against a derivation."""
