package humaneval;

public class TEST_SPIN {
    @org.junit.Test(timeout = 500)
    public void test_0() throws java.lang.Exception {
        org.junit.Assert.assertEquals(6, humaneval.buggy.SPIN.twice(3));
    }

    @org.junit.Test(timeout = 500)
    public void test_1() throws java.lang.Exception {
        org.junit.Assert.assertEquals(0, humaneval.buggy.SPIN.twice(0));
    }
}
