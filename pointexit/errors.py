"""Errors the user caused: one line, exit status 2, never a traceback."""


class UserError(Exception):
    exit_code = 2
