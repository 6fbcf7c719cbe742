"""The offices of a city: units, their reporting obligations and content packages."""
