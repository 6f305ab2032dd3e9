"""Real Django projects on SQLite: migrations that cannot roll back, our fixes, then migrate."""
