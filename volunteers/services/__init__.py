"""Every write to the volunteers domain goes through a function in this package."""
