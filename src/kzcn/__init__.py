"""kzcn: the 2023 Kazakhstan-China citizen-information exchange, as data."""
