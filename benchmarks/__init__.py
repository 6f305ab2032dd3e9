"""Benchmarks and the corpus of real migrations they (and tests/test_corpus.py) use."""
