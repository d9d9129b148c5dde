"""Facts: turning a messy request into named, explained facts."""
