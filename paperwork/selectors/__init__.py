"""The paperwork's reads, one module per entity (and ``overview`` for the per-unit paperwork of
the city overview and the unit pages): querysets and plain rows with the joins they need. They
never import paperwork.services."""
