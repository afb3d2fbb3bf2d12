"""The browser classroom (``negsim-classroom``): a whole seminar plays the talks at once.

A seminar leader starts one server on a laptop in the room; students open the join link
(or scan its QR code) on their phones, give the room's code and a nickname, and are
paired each round as Pakistan or Kabul. Both sides of a pair choose at once; the server
shows neither move before both have moved, then the outcome, both payoffs and what
equilibrium play would have done. The teacher's page opens, pauses and closes rounds,
changes the mediators' leverage between rounds and shows the class against the model
(Nash, and the logit QRE fitted to the class's own choices); every move is in SQLite and
exported as the CSV of :mod:`negsim.io.moves`.

Modules: :mod:`~negsim.app.classroom.store` (the SQLite tables, nothing else),
:mod:`~negsim.app.classroom.rooms` (pairing, rounds, resolution, what each person may
see), :mod:`~negsim.app.classroom.pages` (the HTML, rendered on the server),
:mod:`~negsim.app.classroom.server` (the Starlette routes and ``main``). See
``docs/classroom.md``.
"""
