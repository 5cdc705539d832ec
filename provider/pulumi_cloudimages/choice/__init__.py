"""Choosing: a lookup's arguments, what to fetch and how to choose among the images (`name_regex`, the
orders, the guards and the revocation list), why nothing or too much matched, and the result as plain values.
The core with `ims/`: imports no door and not the Pulumi SDK."""
