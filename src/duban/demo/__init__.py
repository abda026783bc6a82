"""The demo district: a realistic 区 with ~40 units, its leaders and office, and items in every state,
built only through the services on a simulated clock."""
