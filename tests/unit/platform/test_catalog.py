from dwp.platform import catalog


def test_names_and_ports_are_unique() -> None:
    names = [p.name for p in catalog.PROCESSES]
    ports = [p.port for p in catalog.PROCESSES]
    assert len(set(names)) == len(names)
    assert len(set(ports)) == len(ports)
    assert catalog.AWS_ENDPOINT_PORT not in ports


def test_every_consumed_queue_listens_to_a_published_topic() -> None:
    published = {t for p in catalog.PROCESSES for t in p.publishes}
    for queue in catalog.queues():
        assert set(queue.topics) <= published
        assert queue.dlq_name == f"{queue.name}-dlq"


def test_every_topic_has_a_publisher_and_every_published_topic_exists() -> None:
    # A topic nobody publishes to is a promise the code does not keep (identity's, before issue 10).
    published = {t for p in catalog.PROCESSES for t in p.publishes}
    assert published == set(catalog.TOPICS)


def test_route_prefixes_do_not_overlap() -> None:
    prefixes = [prefix for p in catalog.PROCESSES for prefix in p.route_prefixes]
    assert len(set(prefixes)) == len(prefixes)


def test_url_setting_names() -> None:
    assert catalog.process("citizen").url_setting == "DWP_CITIZEN_URL"
    assert catalog.process("one-login").url_setting == "DWP_ONE_LOGIN_URL"
