"""The extensions, created once here and bound to an app in `create_app()`."""

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

from service.api_docs import ServiceApi
from service.redis_store import RedisStore


class Base(DeclarativeBase):
    pass


# Objects keep their values after a commit: a view answers with what it has just written instead of
# reading it back (every write goes through this session, so the values are the row's).
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
api = ServiceApi()
redis_store = RedisStore()
csrf = CSRFProtect()
