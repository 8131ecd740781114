"""The baseline for bench_ingest.py: Flask-SocketIO in the same async mode and server, whose POST
handler does nothing but emit. Usage: bare_socketio.py PORT"""
import sys

from flask import Flask, request
from flask_socketio import SocketIO

app = Flask(__name__)
socketio = SocketIO(app, async_mode="threading")


@app.get("/")
def index() -> str:
    return "ok"


@app.post("/emit")
def emit() -> tuple[str, int]:
    socketio.emit("message.created", {"tag": request.json["tag"]}, namespace="/agents")
    return "", 204


@socketio.on("connect", namespace="/agents")
def connect() -> bool:
    return True


if __name__ == "__main__":
    socketio.run(app, host="127.0.0.1", port=int(sys.argv[1]), allow_unsafe_werkzeug=True, log_output=False)
