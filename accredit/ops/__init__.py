"""Operations: backing up and restoring the database and the evidence store together."""
