"""Awards: granted by a panel decision, suspended by a later visit below Good, reinstated, expired."""
