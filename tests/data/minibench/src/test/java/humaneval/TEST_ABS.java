package humaneval;

public class TEST_ABS {
    @org.junit.Test
    public void test_0() throws java.lang.Exception {
        org.junit.Assert.assertEquals(3, humaneval.buggy.ABS.abs(-3));
    }

    @org.junit.Test
    public void test_1() throws java.lang.Exception {
        org.junit.Assert.assertEquals(4, humaneval.buggy.ABS.abs(4));
    }
}
