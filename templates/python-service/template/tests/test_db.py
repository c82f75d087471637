import os
import tempfile
import unittest

from app.db import Database
from helpers import request, serve


class ItemsTest(unittest.TestCase):
    def test_items_are_stored_and_listed(self):
        base = serve(self)
        created = request(f"{base}/items", method="POST", body={"name": "first"})
        self.assertEqual(created, (201, {"id": 1, "name": "first"}))
        self.assertEqual(request(f"{base}/items"), (200, [{"id": 1, "name": "first"}]))

    def test_an_item_needs_a_name(self):
        base = serve(self)
        nameless = request(f"{base}/items", method="POST", body={})
        self.assertEqual(nameless, (400, {"error": "name is required"}))
        broken = request(f"{base}/items", method="POST", data=b"{")
        self.assertEqual(broken, (400, {"error": "invalid JSON"}))

    def test_items_outlive_a_restart(self):
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "data", "items.db")
            first = Database(path)
            first.add_item("kept")
            first.close()
            second = Database(path)
            self.addCleanup(second.close)
            self.assertEqual(second.list_items(), [{"id": 1, "name": "kept"}])


if __name__ == "__main__":
    unittest.main()
