"""People, the agencies they belong to, their roles, and what each role may do."""
