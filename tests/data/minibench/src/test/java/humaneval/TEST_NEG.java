package humaneval;

public class TEST_NEG {
    @org.junit.Test
    public void test_0() throws java.lang.Exception {
        org.junit.Assert.assertEquals(-3, humaneval.buggy.NEG.neg(3));
    }
}
