"""Database: SQLAlchemy 2 models, Alembic migrations, engines and sessions."""
