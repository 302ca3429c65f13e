"""The paperwork's Django forms, one module per entity: they collect and check input for the
services and never write themselves."""
