"""The top layer: pages that compose practices, reading them only through
`imago_app.practices`. The partner home page and the therapist's dashboard (home.py and its
live socket, consumers.py), the therapist's couple record (record.py), homework follow-through
(homework.py) and "your data" (data_rights.py). Below them sit the core (the rest of
`imago_app/`) and the practices (`dialogue/`, `exercises/*/`); nothing below imports this."""
