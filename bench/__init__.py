"""Benchmarks: public instance readers, a random portfolio generator and a HiGHS MIP baseline.

Not part of the installed package; run from the repository root.
"""
