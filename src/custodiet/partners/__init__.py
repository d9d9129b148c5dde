"""The partner registry: who receives the agency's data or queries its databases, the
restriction notices they were sent and acknowledged, and their 24-74-105 certifications."""
