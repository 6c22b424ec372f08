def test_a_wish_goes_from_post_to_closed_with_one_timeline_event_per_step(world, wish_in):
    wish = wish_in("closed")
    assert [event["action"] for event in wish["timeline"]] == ["post", "approve", "claim", "fulfil", "confirm", "close"]
    assert wish["resolution"] == "completed"
