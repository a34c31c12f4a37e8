package humaneval;

public class TEST_ADD {
    @org.junit.Test
    public void test_0() throws java.lang.Exception {
        org.junit.Assert.assertEquals(1, humaneval.buggy.ADD.add(0, 1));
    }

    @org.junit.Test
    public void test_1() throws java.lang.Exception {
        org.junit.Assert.assertEquals(5, humaneval.buggy.ADD.add(2, 3));
    }

    @org.junit.Test
    public void test_2() throws java.lang.Exception {
        org.junit.Assert.assertEquals(12, humaneval.buggy.ADD.add(5, 7));
    }
}
