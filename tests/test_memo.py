from lms.memo import Memo


def test_a_memo_keeps_at_most_its_limit_dropping_the_oldest():
    memo = Memo(3)
    for n in range(5):
        assert memo.put(n, str(n)) == str(n)
    assert list(memo.items()) == [(2, "2"), (3, "3"), (4, "4")]
