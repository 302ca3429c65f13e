"""The paperwork's writes, one module per entity: each function one state change, atomic, checking
who acts and recording them in the history. Services may read through paperwork.selectors, never
the reverse."""
