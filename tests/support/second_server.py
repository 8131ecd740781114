"""A second Kept web process for the cross-process Socket.IO test: same database and Redis,
schema already made by the test, configuration from the environment."""
import os

from inbox import create_app
from inbox.extensions import socketio

app = create_app("default", SQLALCHEMY_DATABASE_URI=os.environ["DATABASE_URL"], REDIS_URL=os.environ["REDIS_URL"],
                 SECRET_KEY=os.environ["SECRET_KEY"], JOB_RUNNER="manual")
socketio.run(app, host="127.0.0.1", port=int(os.environ["KEPT_PORT"]), allow_unsafe_werkzeug=True,
             use_reloader=False, log_output=False)
