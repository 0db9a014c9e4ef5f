"""Tests of the benchmark readers, generator and MIP baseline."""
