"""The evidence library: files uploaded once into a team's library, checked, stored by hash, linked where used."""
