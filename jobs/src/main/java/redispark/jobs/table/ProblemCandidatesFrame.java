package redispark.jobs.table;

import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static redispark.jobs.table.Columns.required;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import redispark.teacher.Problem;

/** Candidate problems of a source before selection: {@link ProblemsTable}'s columns without the split. */
public final class ProblemCandidatesFrame {
    private ProblemCandidatesFrame() {}

    public static final String PROBLEM_ID = ProblemsTable.PROBLEM_ID;
    public static final String PROBLEM = ProblemsTable.PROBLEM;
    public static final String GOLD = ProblemsTable.GOLD;
    public static final String SOURCE = ProblemsTable.SOURCE;
    public static final String DIFFICULTY = ProblemsTable.DIFFICULTY;

    public static final StructType SCHEMA = Columns.struct(
            required(PROBLEM_ID, StringType),
            required(PROBLEM, StringType),
            required(GOLD, StringType),
            required(SOURCE, StringType),
            required(DIFFICULTY, IntegerType));

    public static Row row(Problem p) {
        return RowFactory.create(p.problemId(), p.problem(), p.gold(), p.source(), p.difficulty());
    }

    /** The frame's columns of this layout, in its order and types. */
    public static Dataset<Row> conform(Dataset<Row> frame) {
        return Columns.conform(frame, SCHEMA, "problem candidates");
    }
}
