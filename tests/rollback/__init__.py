"""Real Django projects on SQLite: migrations that fail to roll back, then our fixes, then ``migrate`` again."""
