// The synthetic Megadiff-format set's corpus (fimrepair.synthetic.CORPUS): original Java
// methods, one per blank-line separated block inside the class. Written for this project.
// Binary operators are always written with spaces around them and generics without, which
// the bug injectors rely on; a method holds no blank line (blank lines separate methods).
// The file compiles as it stands (tests/test_synthetic.py), and the generated rows' hash
// is pinned (tests/test_generated_hashes.py): editing a method changes the data.
import java.util.*;

public class SyntheticCorpus {
    public static int sumArray(int[] arr) {
        int total = 0;
        for (int i = 0; i < arr.length; i++) {
            total += arr[i];
        }
        return total;
    }

    public static int maxElement(int[] arr) {
        int best = arr[0];
        for (int i = 1; i < arr.length; i++) {
            best = Math.max(best, arr[i]);
        }
        return best;
    }

    public static int minElement(int[] arr) {
        int best = Integer.MAX_VALUE;
        for (int x : arr) {
            if (x < best) {
                best = x;
            }
        }
        return best;
    }

    public static double average(int[] nums) {
        if (nums.length == 0) {
            return 0.0;
        }
        long total = 0;
        for (int x : nums) {
            total += x;
        }
        return (double) total / nums.length;
    }

    public static int countOccurrences(String s, char target) {
        int count = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == target) {
                count++;
            }
        }
        return count;
    }

    public static String reverse(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = s.length() - 1; i >= 0; i--) {
            sb.append(s.charAt(i));
        }
        return sb.toString();
    }

    public static boolean isPalindrome(String s) {
        int lo = 0;
        int hi = s.length() - 1;
        while (lo < hi) {
            if (s.charAt(lo) != s.charAt(hi)) {
                return false;
            }
            lo++;
            hi--;
        }
        return true;
    }

    public static int binarySearch(int[] arr, int key) {
        int lo = 0;
        int hi = arr.length - 1;
        while (lo <= hi) {
            int mid = lo + (hi - lo) / 2;
            if (arr[mid] == key) {
                return mid;
            } else if (arr[mid] < key) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return -1;
    }

    public static void bubbleSort(int[] arr) {
        int n = arr.length;
        for (int i = 0; i < n - 1; i++) {
            for (int j = 0; j < n - 1 - i; j++) {
                if (arr[j] > arr[j + 1]) {
                    int tmp = arr[j];
                    arr[j] = arr[j + 1];
                    arr[j + 1] = tmp;
                }
            }
        }
    }

    public static void insertionSort(int[] arr) {
        for (int i = 1; i < arr.length; i++) {
            int key = arr[i];
            int j = i - 1;
            while (j >= 0 && arr[j] > key) {
                arr[j + 1] = arr[j];
                j--;
            }
            arr[j + 1] = key;
        }
    }

    public static int indexOf(int[] arr, int target) {
        for (int i = 0; i < arr.length; i++) {
            if (arr[i] == target) {
                return i;
            }
        }
        return -1;
    }

    public static int countVowels(String text) {
        int count = 0;
        String vowels = "aeiouAEIOU";
        for (char c : text.toCharArray()) {
            if (vowels.indexOf(c) >= 0) {
                count++;
            }
        }
        return count;
    }

    public static String capitalize(String word) {
        if (word == null || word.isEmpty()) {
            return word;
        }
        return Character.toUpperCase(word.charAt(0)) + word.substring(1);
    }

    public static int parseIntSafe(String s, int fallback) {
        if (s == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    public static int countWords(String text) {
        if (text == null) {
            return 0;
        }
        String trimmed = text.trim();
        if (trimmed.isEmpty()) {
            return 0;
        }
        return trimmed.split("\\s+").length;
    }

    public static Map<String, Integer> wordFrequencies(List<String> words) {
        Map<String, Integer> counts = new HashMap<>();
        for (String word : words) {
            counts.put(word, counts.getOrDefault(word, 0) + 1);
        }
        return counts;
    }

    public static List<Integer> filterEven(List<Integer> values) {
        List<Integer> result = new ArrayList<>();
        for (int x : values) {
            if (x % 2 == 0) {
                result.add(x);
            }
        }
        return result;
    }

    public static int[] prefixSums(int[] arr) {
        int[] result = new int[arr.length + 1];
        for (int i = 0; i < arr.length; i++) {
            result[i + 1] = result[i] + arr[i];
        }
        return result;
    }

    public static boolean containsDuplicate(int[] nums) {
        Set<Integer> seen = new HashSet<>();
        for (int x : nums) {
            if (!seen.add(x)) {
                return true;
            }
        }
        return false;
    }

    public static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return Math.abs(a);
    }

    public static long power(long base, int exp) {
        long result = 1;
        while (exp > 0) {
            if ((exp & 1) == 1) {
                result *= base;
            }
            base *= base;
            exp >>= 1;
        }
        return result;
    }

    public static boolean isPrime(int n) {
        if (n < 2) {
            return false;
        }
        for (int i = 2; i * i <= n; i++) {
            if (n % i == 0) {
                return false;
            }
        }
        return true;
    }

    public static int fibonacci(int n) {
        if (n <= 1) {
            return n;
        }
        int prev = 0;
        int cur = 1;
        for (int i = 2; i <= n; i++) {
            int next = prev + cur;
            prev = cur;
            cur = next;
        }
        return cur;
    }

    public static String joinWith(List<String> parts, String sep) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < parts.size(); i++) {
            if (i > 0) {
                sb.append(sep);
            }
            sb.append(parts.get(i));
        }
        return sb.toString();
    }

    public static int[] twoSum(int[] nums, int target) {
        Map<Integer, Integer> index = new HashMap<>();
        for (int i = 0; i < nums.length; i++) {
            int need = target - nums[i];
            if (index.containsKey(need)) {
                return new int[] {index.get(need), i};
            }
            index.put(nums[i], i);
        }
        return new int[0];
    }

    public static int maxSubarraySum(int[] arr) {
        int best = arr[0];
        int cur = arr[0];
        for (int i = 1; i < arr.length; i++) {
            cur = Math.max(arr[i], cur + arr[i]);
            best = Math.max(best, cur);
        }
        return best;
    }

    public static boolean isSorted(int[] arr) {
        for (int i = 1; i < arr.length; i++) {
            if (arr[i - 1] > arr[i]) {
                return false;
            }
        }
        return true;
    }

    public static int[][] transpose(int[][] m) {
        int rows = m.length;
        int cols = m[0].length;
        int[][] t = new int[cols][rows];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j][i] = m[i][j];
            }
        }
        return t;
    }

    public static String toBinary(int n) {
        if (n == 0) {
            return "0";
        }
        StringBuilder sb = new StringBuilder();
        while (n > 0) {
            sb.append(n % 2);
            n /= 2;
        }
        return sb.reverse().toString();
    }

    public static int parseBinary(String bits) {
        int value = 0;
        for (int i = 0; i < bits.length(); i++) {
            char c = bits.charAt(i);
            if (c != '0' && c != '1') {
                throw new IllegalArgumentException(bits);
            }
            value = value * 2 + (c - '0');
        }
        return value;
    }

    public static boolean startsWithIgnoreCase(String s, String prefix) {
        if (s.length() < prefix.length()) {
            return false;
        }
        return s.substring(0, prefix.length()).toLowerCase().startsWith(prefix.toLowerCase());
    }

    public static int countUpperCase(String s) {
        int count = 0;
        for (int i = 0; i < s.length(); i++) {
            if (Character.isUpperCase(s.charAt(i))) {
                count++;
            }
        }
        return count;
    }

    public static int sumDigits(String s) {
        int total = 0;
        for (char c : s.toCharArray()) {
            if (Character.isDigit(c)) {
                total += c - '0';
            }
        }
        return total;
    }

    public static int lastIndexOfChar(String s, char c) {
        for (int i = s.length() - 1; i >= 0; i--) {
            if (s.charAt(i) == c) {
                return i;
            }
        }
        return -1;
    }

    public static List<Integer> mergeSorted(List<Integer> a, List<Integer> b) {
        List<Integer> out = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < a.size() && j < b.size()) {
            if (a.get(i) <= b.get(j)) {
                out.add(a.get(i++));
            } else {
                out.add(b.get(j++));
            }
        }
        while (i < a.size()) {
            out.add(a.get(i++));
        }
        while (j < b.size()) {
            out.add(b.get(j++));
        }
        return out;
    }

    public static int clamp(int value, int lo, int hi) {
        if (value < lo) {
            return lo;
        }
        if (value > hi) {
            return hi;
        }
        return value;
    }

    public static int rangeOf(int[] arr) {
        int lo = Integer.MAX_VALUE;
        int hi = Integer.MIN_VALUE;
        for (int x : arr) {
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
        }
        return hi - lo;
    }

    public static String repeat(String s, int times) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < times; i++) {
            sb.append(s);
        }
        return sb.toString();
    }

    public static int countNonEmpty(List<String> lines) {
        int count = 0;
        for (String line : lines) {
            if (line != null && !line.trim().isEmpty()) {
                count++;
            }
        }
        return count;
    }

    public static Map<Character, Integer> charHistogram(String text) {
        Map<Character, Integer> freq = new TreeMap<>();
        for (char c : text.toCharArray()) {
            if (Character.isLetter(c)) {
                char key = Character.toLowerCase(c);
                freq.merge(key, 1, Integer::sum);
            }
        }
        return freq;
    }

    public static int secondLargest(int[] nums) {
        int first = Integer.MIN_VALUE;
        int second = Integer.MIN_VALUE;
        for (int x : nums) {
            if (x > first) {
                second = first;
                first = x;
            } else if (x > second && x != first) {
                second = x;
            }
        }
        return second;
    }

    public static List<String> splitCsvLine(String line) {
        List<String> fields = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < line.length(); i++) {
            if (line.charAt(i) == ',') {
                fields.add(line.substring(start, i).trim());
                start = i + 1;
            }
        }
        fields.add(line.substring(start).trim());
        return fields;
    }

    public static int firstUniqueIndex(String s) {
        int[] counts = new int[256];
        for (int i = 0; i < s.length(); i++) {
            counts[s.charAt(i)]++;
        }
        for (int i = 0; i < s.length(); i++) {
            if (counts[s.charAt(i)] == 1) {
                return i;
            }
        }
        return -1;
    }

    public static void reverseInPlace(int[] arr) {
        int i = 0;
        int j = arr.length - 1;
        while (i < j) {
            int tmp = arr[i];
            arr[i] = arr[j];
            arr[j] = tmp;
            i++;
            j--;
        }
    }

    public static int[] rotateLeft(int[] arr, int k) {
        int n = arr.length;
        int[] out = new int[n];
        if (n == 0) {
            return out;
        }
        int shift = k % n;
        for (int i = 0; i < n; i++) {
            out[i] = arr[(i + shift) % n];
        }
        return out;
    }

    public static boolean isAnagram(String a, String b) {
        if (a.length() != b.length()) {
            return false;
        }
        int[] counts = new int[26];
        for (int i = 0; i < a.length(); i++) {
            counts[a.charAt(i) - 'a']++;
            counts[b.charAt(i) - 'a']--;
        }
        for (int c : counts) {
            if (c != 0) {
                return false;
            }
        }
        return true;
    }

    public static String longestWord(String sentence) {
        String best = "";
        for (String word : sentence.split(" ")) {
            if (word.length() > best.length()) {
                best = word;
            }
        }
        return best;
    }

    public static int countInRange(List<Integer> values, int lo, int hi) {
        int count = 0;
        for (int v : values) {
            if (v >= lo && v <= hi) {
                count++;
            }
        }
        return count;
    }

    public static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        if (n % 2 == 1) {
            return sorted[n / 2];
        }
        return (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    }

    public static String padLeft(String s, int width, char fill) {
        StringBuilder sb = new StringBuilder();
        for (int i = s.length(); i < width; i++) {
            sb.append(fill);
        }
        sb.append(s);
        return sb.toString();
    }

    public static int dotProduct(int[] a, int[] b) {
        int total = 0;
        int n = Math.min(a.length, b.length);
        for (int i = 0; i < n; i++) {
            total += a[i] * b[i];
        }
        return total;
    }

    public static int countPositive(int[] nums) {
        int count = 0;
        for (int x : nums) {
            if (x > 0) {
                count++;
            }
        }
        return count;
    }

    public static String removeChar(String s, char c) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) != c) {
                sb.append(s.charAt(i));
            }
        }
        return sb.toString();
    }

    public static int maxScore(Map<String, Integer> scores) {
        int best = Integer.MIN_VALUE;
        for (Map.Entry<String, Integer> e : scores.entrySet()) {
            best = Math.max(best, e.getValue());
        }
        return best;
    }

    public static int floorSqrt(int n) {
        int lo = 0;
        int hi = n;
        int ans = 0;
        while (lo <= hi) {
            int mid = lo + (hi - lo) / 2;
            if ((long) mid * mid <= n) {
                ans = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return ans;
    }

    public static String trimTrailing(String s, char c) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == c) {
            end--;
        }
        return s.substring(0, end);
    }

    public static int hammingDistance(String a, String b) {
        int diff = 0;
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            if (a.charAt(i) != b.charAt(i)) {
                diff++;
            }
        }
        return diff + Math.abs(a.length() - b.length());
    }

    public static int countBits(int x) {
        int count = 0;
        while (x != 0) {
            count += x & 1;
            x >>>= 1;
        }
        return count;
    }

    public static long[] runningProduct(int[] arr) {
        long[] out = new long[arr.length];
        long acc = 1;
        for (int i = 0; i < arr.length; i++) {
            acc *= arr[i];
            out[i] = acc;
        }
        return out;
    }

    public static String camelToSnake(String name) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isUpperCase(c) && i > 0) {
                sb.append('_');
            }
            sb.append(Character.toLowerCase(c));
        }
        return sb.toString();
    }

    public static int findPeak(int[] arr) {
        int lo = 0;
        int hi = arr.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (arr[mid] < arr[mid + 1]) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    public static String fileExtension(String fileName) {
        int dot = fileName.lastIndexOf('.');
        if (dot < 0 || dot == fileName.length() - 1) {
            return "";
        }
        return fileName.substring(dot + 1).toLowerCase();
    }

    public static int parseDurationMinutes(String text) {
        int total = 0;
        int number = 0;
        for (char c : text.toCharArray()) {
            if (Character.isDigit(c)) {
                number = number * 10 + (c - '0');
            } else if (c == 'h') {
                total += number * 60;
                number = 0;
            } else if (c == 'm') {
                total += number;
                number = 0;
            }
        }
        return total;
    }

    public static List<List<Integer>> chunk(List<Integer> items, int size) {
        List<List<Integer>> chunks = new ArrayList<>();
        for (int i = 0; i < items.size(); i += size) {
            int end = Math.min(i + size, items.size());
            chunks.add(new ArrayList<>(items.subList(i, end)));
        }
        return chunks;
    }

    public static int mostFrequent(int[] nums) {
        Map<Integer, Integer> counts = new HashMap<>();
        int best = nums[0];
        int bestCount = 0;
        for (int x : nums) {
            int c = counts.merge(x, 1, Integer::sum);
            if (c > bestCount) {
                bestCount = c;
                best = x;
            }
        }
        return best;
    }

    public static boolean endsWithAny(String s, List<String> suffixes) {
        for (String suffix : suffixes) {
            if (s.endsWith(suffix)) {
                return true;
            }
        }
        return false;
    }

    public static String initials(String fullName) {
        StringBuilder sb = new StringBuilder();
        for (String part : fullName.trim().split("\\s+")) {
            if (!part.isEmpty()) {
                sb.append(Character.toUpperCase(part.charAt(0)));
            }
        }
        return sb.toString();
    }

    public static int ceilDiv(int a, int b) {
        if (b == 0) {
            throw new ArithmeticException("division by zero");
        }
        return (int) Math.ceil((double) a / b);
    }
}
