"""Monthly reports and assessments (built on by the reporting issues)."""
