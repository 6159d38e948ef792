"""Storage: PostgreSQL models, repositories, migrations and the unit of work; Redis client and keys.

Database.create(url=...)               engine + sessions; `async with db.unit_of_work() as uow`
storage.migrations.upgrade_to_head()   the only way the schema is created
create_redis(url)                      the Redis client; key names in `storage.redis_keys`
"""

from storage.db import Database
from storage.redis import create_redis
from storage.unit_of_work import UnitOfWork

__all__ = ["Database", "UnitOfWork", "create_redis"]
