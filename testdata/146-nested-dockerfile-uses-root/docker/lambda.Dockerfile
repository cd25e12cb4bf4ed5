FROM python:3.11-slim
WORKDIR /var/task
COPY package/ ./
COPY handler.py ./
CMD ["python", "handler.py"]
