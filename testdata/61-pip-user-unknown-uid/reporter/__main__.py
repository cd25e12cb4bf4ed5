from jinja2 import Template

TEMPLATE = Template("<h1>{{ title }}</h1><p>{{ rows }} rows</p>")


def main() -> None:
    print(TEMPLATE.render(title="Monthly report", rows=0))


if __name__ == "__main__":
    main()
