import feedparser

FEEDS = ["https://example.com/rss.xml"]


def main() -> None:
    for url in FEEDS:
        for entry in feedparser.parse(url).entries[:5]:
            print(entry.get("title"))


if __name__ == "__main__":
    main()
