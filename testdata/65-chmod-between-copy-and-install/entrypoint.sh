#!/bin/sh
set -e
python -m bot.migrate
exec python -m bot
