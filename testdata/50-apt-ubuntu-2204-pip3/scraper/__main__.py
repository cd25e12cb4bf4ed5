import os

import requests
from bs4 import BeautifulSoup


def main() -> None:
    url = os.environ.get("SCRAPE_URL", "https://example.com/")
    html = requests.get(url, timeout=15).text
    soup = BeautifulSoup(html, "lxml")
    for a in soup.select("a[href]"):
        print(a["href"])


if __name__ == "__main__":
    main()
