import asyncio

import aiosqlite


async def migrate() -> None:
    async with aiosqlite.connect("bot.db") as db:
        await db.execute("CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, name TEXT)")
        await db.commit()


asyncio.run(migrate())
