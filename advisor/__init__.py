"""Pure planning over plain data: no database, no network, no clock reads."""
