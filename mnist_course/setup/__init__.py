"""The setup check, ``doctor``: is this machine ready for the course? Every "ok" comes from
importing or running the thing it names (``report``, ``data``, ``widgets``, ``doctor``)."""
