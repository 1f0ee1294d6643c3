"""Privacy requests of a data subject within one organization: export and erasure.

Both need ``organization:update`` (owners only by default): there is no privacy permission,
and handing over or wiping a person's records is an owner's decision, not support's.
"""
