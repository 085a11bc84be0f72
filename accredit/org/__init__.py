"""Organisation: the trust's divisions, services and teams."""
