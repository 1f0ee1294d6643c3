"""PostgreSQL: SQLAlchemy Core tables and statements over asyncpg, row level security per tenant."""
